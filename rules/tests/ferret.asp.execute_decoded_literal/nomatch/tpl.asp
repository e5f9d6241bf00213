<%
Execute LoadTemplate("header")
Response.Write Chr(13) & Chr(10)
%>
