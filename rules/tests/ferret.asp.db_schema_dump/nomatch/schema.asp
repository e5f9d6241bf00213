<%
Set conn = Server.CreateObject("ADODB.Connection")
conn.Open "DSN=site"
Set rs = conn.OpenSchema(20)
Do Until rs.EOF : Response.Write rs("TABLE_NAME") : rs.MoveNext : Loop
%>
