<%@ Page Language="C#" %>
<% Response.AddHeader("Content-Security-Policy", "script-src 'self' 'unsafe-inline'"); %>
<script>var v = eval("1+1");</script>
