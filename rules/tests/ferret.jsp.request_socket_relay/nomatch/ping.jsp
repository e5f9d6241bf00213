<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.net.*" %>
<%
String host = request.getParameter("host");
out.println(InetAddress.getByName("localhost").isReachable(500));
%>
