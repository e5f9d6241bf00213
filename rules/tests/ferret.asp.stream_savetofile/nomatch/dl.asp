<%
Set st = Server.CreateObject("ADODB.Stream")
st.Type = 1 : st.Open
st.LoadFromFile Server.MapPath("files/manual.pdf")
Response.BinaryWrite st.Read
%>
