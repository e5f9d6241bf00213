<%
Response.Write Request.ServerVariables("SERVER_NAME")
%>
