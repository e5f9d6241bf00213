<%@ Page Language="C#" %><%
var prov = new Microsoft.CSharp.CSharpCodeProvider();
Response.Write(prov.FileExtension);
%>
