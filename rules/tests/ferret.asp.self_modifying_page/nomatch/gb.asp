<%
msg = Request.Form("m")
Set fs = Server.CreateObject("Scripting.FileSystemObject")
Set f = fs.OpenTextFile(Server.MapPath("data/guestbook.txt"), 8, True)
f.WriteLine Server.HTMLEncode(msg)
f.Close
%>
