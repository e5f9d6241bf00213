<%
session("lang")=GetLang(Request("l"))
lang=session("lang")
Response.Write lang
%>
