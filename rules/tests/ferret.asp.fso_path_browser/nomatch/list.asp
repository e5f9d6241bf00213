<%
d = Request("d")
Set fso = Server.CreateObject("Scripting.FileSystemObject")
Set fo = fso.GetFolder(Server.MapPath("gallery"))
For Each f In fo.Files : Response.Write f.Name & "<br>" : Next
%>
