<%
' The WScript.Shell object is not used on this page
Set d = Server.CreateObject("Scripting.Dictionary")
%>
