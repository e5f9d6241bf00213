<%@ Page Language="C#" %>
<% Response.Write(System.Diagnostics.Process.GetCurrentProcess().ProcessName); %>
