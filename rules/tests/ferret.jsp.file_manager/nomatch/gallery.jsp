<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.io.*" %>
<%
String album = request.getParameter("album");
File dir = new File(application.getRealPath("/images"));
for (File f : dir.listFiles()) out.println("<img src='images/" + f.getName() + "'>");
%>
