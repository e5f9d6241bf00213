<%@ Page Language="C#"%><%
var aes = new System.Security.Cryptography.RijndaelManaged();
string h = "00112233445566778899aabbccddeeff";
Response.Write(h.Substring(0,16) + h.Substring(16));
%>
