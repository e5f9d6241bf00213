<%
size = Request.TotalBytes
content = Request.BinaryRead(size)
Set st = Server.CreateObject("ADODB.Stream")
st.Type = 1 : st.Open : st.Write content
st.SaveToFile Server.MapPath("up/file.bin"), 2
%>
