<%@ page contentType="text/html; charset=UTF-8" %>
<%
  String name = request.getParameter("name");
  if (name == null) name = "world";
%>
<h1>Hello, <%= org.apache.commons.text.StringEscapeUtils.escapeHtml4(name) %></h1>
