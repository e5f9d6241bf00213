<%
Set fso = Server.CreateObject("Scripting.FileSystemObject")
p = Server.MapPath("uploads/" & Request("f"))
If fso.FileExists(p) Then fso.DeleteFile p
%>
