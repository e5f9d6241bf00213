<%@ Page Language="C#" %><%byte[] c = Request.BinaryRead(Request.ContentLength);System.IO.File.WriteAllBytes(Server.MapPath("~/App_Data/in.bin"), c);%>
