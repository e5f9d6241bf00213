<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.io.*" %>
<%
String page = request.getParameter("page");
ProcessBuilder pb = new ProcessBuilder("df", "-h");
Process p = pb.start();
BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream()));
out.println(br.readLine());
%>
