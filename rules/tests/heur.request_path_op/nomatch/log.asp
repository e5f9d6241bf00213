<%
Set fso = Server.CreateObject("Scripting.FileSystemObject")
Set f = fso.CreateTextFile(Server.MapPath("/logs/visits.txt"), True)
f.WriteLine Server.HTMLEncode(Request.QueryString("page"))
f.Close
%>
