<!--- legitimate upload into a fixed folder --->
<cffile action="upload" filefield="photo" destination="#expandPath('./uploads/')#" nameconflict="makeunique" accept="image/png,image/jpeg">
