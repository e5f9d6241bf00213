<%@ Page Language="Jscript" %>
<%
var n = new ActiveXObject("Scripting.Dictionary");
Response.Write("ok");
%>
