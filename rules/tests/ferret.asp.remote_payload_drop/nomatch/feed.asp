<%
Set x = Server.CreateObject("MSXML2.ServerXMLHTTP")
x.Open "GET","http://example.invalid/feed.xml",False
x.Send
Response.Write Server.HTMLEncode(x.responseText)
%>
