<%@ page import="java.io.*" %>
<%
String who = request.getParameter("who");
ProcessBuilder pb = new ProcessBuilder(new String[]{"/usr/bin/uptime"});
out.println(org.apache.commons.text.StringEscapeUtils.escapeHtml4(who));
%>
