<%
Set sh = Server.CreateObject("WScript.Shell")
p = sh.ExpandEnvironmentStrings("%TEMP%")
Response.Write p
%>
