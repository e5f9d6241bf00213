<%
Set u = Server.CreateObject("MSWC.Tools")
If u.FileExists("/images/logo.gif") Then Response.Write "ok"
%>
