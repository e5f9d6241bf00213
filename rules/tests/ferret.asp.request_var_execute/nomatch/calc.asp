<%
Dim n
n = request("n")
Response.Write CInt(n) * 2
%>
