<%
Response.Write StrReverse("olleh")
%>
