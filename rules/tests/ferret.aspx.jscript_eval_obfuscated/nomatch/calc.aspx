<%@ Page Language="JScript" %>
<% var total = eval("2*3"); Response.Write("u" + "n" + "it: " + total); %>
