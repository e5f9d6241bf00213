<%
Set h = Server.CreateObject("MSXML2.ServerXMLHTTP")
h.Open "GET", "http://example.invalid/rss", False : h.Send
Session("rss") = h.responseText
Response.Write Session("rss")
%>
