<%
Set f = Server.CreateObject("Scripting.FileSystemObject")
msg = "Hello " & name & "!"
%>
