<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.net.*" %>
<%
Socket s = new Socket();
s.connect(new InetSocketAddress("localhost", 5432), 500);
out.println("database reachable");
s.close();
%>
