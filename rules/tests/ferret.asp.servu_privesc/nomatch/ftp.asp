<%
' FTP server status page
Response.Write "Serv-U service is running on port 21"
%>
