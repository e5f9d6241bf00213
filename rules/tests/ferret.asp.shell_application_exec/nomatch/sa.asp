<%
Set sa = Server.CreateObject("Shell.Application")
Set f = sa.NameSpace("C:\inetpub")
Response.Write f.Title
%>
