<%
Set fso = Server.CreateObject("Scripting.FileSystemObject")
For Each s In fso.GetFolder(Server.MapPath("docs")).SubFolders
 Response.Write s.Name & "<br>"
Next
%>
