<%@ page contentType="text/html" %>
<% String n = request.getParameter("n"); out.println(org.apache.commons.text.StringEscapeUtils.escapeHtml4(n)); %>
