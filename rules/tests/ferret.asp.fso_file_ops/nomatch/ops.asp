<%
Set fso = Server.CreateObject("Scripting.FileSystemObject")
Set f = fso.OpenTextFile(Server.MapPath("data/news.txt"), 1)
Response.Write f.ReadAll
%>
