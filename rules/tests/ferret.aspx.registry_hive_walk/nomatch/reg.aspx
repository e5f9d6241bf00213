<%@ Page Language="C#" %>
<%
var k = Registry.LocalMachine.OpenSubKey("SOFTWARE\\MyApp");
Response.Write(k.GetValue("Version"));
%>
