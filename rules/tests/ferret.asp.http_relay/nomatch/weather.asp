<%@LANGUAGE="JAVASCRIPT"%>
<%
var h = Server.CreateObject("MSXML2.ServerXMLHTTP");
h.Open("GET", "http://example.invalid/weather", false);
h.Send(null);
Response.Write(h.responseText);
%>
