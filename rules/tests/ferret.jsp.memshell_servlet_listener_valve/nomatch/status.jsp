<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="org.apache.catalina.core.*" %>
<%
// reads container information only
out.println(application.getServerInfo());
%>
