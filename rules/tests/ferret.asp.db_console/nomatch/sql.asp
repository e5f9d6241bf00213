<%
cs = "Provider=SQLOLEDB.1;Server=db01;User ID=web;Password=" & GetSecret() & ";"
Set conn = Server.CreateObject("ADODB.Connection")
conn.Open cs
Set rs = conn.Execute("select id, title from news")
%>
