<%
Set fso = CreateObject("Scripting.FileSystemObject")
Set t = fso.CreateTextFile(Server.MapPath("report.csv"), True)
t.Write "a,b"
t.Close
%>
