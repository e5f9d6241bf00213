<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.io.*" %>
<%
File base = new File(application.getRealPath("/docs"));
for (String n : base.list()) out.println(n);
%>
