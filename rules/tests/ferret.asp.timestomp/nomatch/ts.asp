<%
Set fso = Server.CreateObject("Scripting.FileSystemObject")
Response.Write fso.GetFile(Server.MapPath("index.asp")).DateLastModified
%>
