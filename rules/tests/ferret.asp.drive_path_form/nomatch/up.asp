<%
bin = Request.BinaryRead(Request.TotalBytes)
Set st = Server.CreateObject("ADODB.Stream")
st.SaveToFile Server.MapPath("uploads/a.bin"), 2
%>
<form method="post"><input type="file" name="f"><input type="text" name="title" value=""></form>
