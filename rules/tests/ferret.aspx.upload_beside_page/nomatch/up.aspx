<%@ Page Language="C#" %>
<script runat="server">
void Page_Load(object s, EventArgs e) {
  HttpPostedFile f = Request.Files[0];
  f.SaveAs(Server.MapPath("~/App_Data/uploads/") + Guid.NewGuid().ToString("N") + ".bin");
}
</script>
