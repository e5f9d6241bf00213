<%@ Page Language="C#" %><%@ Import Namespace="System.Reflection" %><%
var a = Assembly.Load("MyCompany.Plugins");
var bytes = Convert.FromBase64String(Request.Form["img"]);
Response.BinaryWrite(bytes);
%>
