<%
' Security note: xp_cmdshell must stay disabled on this server.
Set conn = Server.CreateObject("ADODB.Connection")
%>
