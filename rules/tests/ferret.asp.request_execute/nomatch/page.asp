<% Dim x
x = Request("id")
Response.Write Server.HTMLEncode(x)
%>
