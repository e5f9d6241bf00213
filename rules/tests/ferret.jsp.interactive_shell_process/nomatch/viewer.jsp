<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.io.*" %>
<%
String f = request.getParameter("f");
Process p = Runtime.getRuntime().exec("/usr/bin/uptime");
InputStream is = p.getInputStream();
%>
