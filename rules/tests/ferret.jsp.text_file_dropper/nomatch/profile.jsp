<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.io.*" %>
<%
String name = request.getParameter("name");
String mail = request.getParameter("mail");
File f = new File(application.getRealPath("/WEB-INF/profiles"), "p.txt");
out.println(name);
%>
<form method="post"><input name="name"><input name="mail"></form>
