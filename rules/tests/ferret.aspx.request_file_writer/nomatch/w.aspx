<%@ Page Language="VB" %>
<script runat="server">
Sub Page_Load(s As Object, e As EventArgs)
  Dim w As New StreamWriter(Server.MapPath("~/App_Data/log.txt"), True)
  w.Write(Now.ToString())
  w.Close()
End Sub
</script>
