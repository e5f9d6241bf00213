<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.io.*,java.net.*" %>
<%
Socket s = new Socket("localhost", 25);
BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream()));
out.println(r.readLine());
s.getOutputStream().write("QUIT\r\n".getBytes());
s.close();
%>
