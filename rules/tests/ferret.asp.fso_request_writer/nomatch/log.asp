<%
Set fs = Server.CreateObject("Scripting.FileSystemObject")
Set f = fs.OpenTextFile(Server.MapPath("log/visits.txt"), 8, True)
f.WriteLine Now() & " visit"
f.Close
%>
