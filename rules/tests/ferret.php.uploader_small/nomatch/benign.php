<form enctype="multipart/form-data" method="post"><input type="file" name="f"></form>
<?php
if (isset($_FILES['f'])) echo (int)$_FILES['f']['size'];
