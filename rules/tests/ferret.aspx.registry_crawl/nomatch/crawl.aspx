<%@ Page Language="C#" %>
<%
var k = Registry.LocalMachine.OpenSubKey("SOFTWARE\\MyApp");
foreach (var n in k.GetValueNames()) Response.Write(n);
%>
